/**
 * The Kafka error codes the group coordinator answers with: protocol/error-codes.ts's table
 * under the name the coordinator's code uses.
 */
import { ErrorCode } from '../../protocol/error-codes.js';

export const GroupError = ErrorCode;

export type GroupErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
