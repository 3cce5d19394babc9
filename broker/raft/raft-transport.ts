/**
 * Raft messages between voters (and observers) over TCP. Each node listens; to each peer it
 * keeps one outgoing connection (messages flow one way on it; the peer answers over its own
 * connection to us). Voters are peers from the start; an observer becomes one when it
 * announces itself (an `observe` message, the only kind accepted from an unknown sender).
 *
 * Frames are `[u32 length][msgpack message]`; the length is checked against MESSAGE_BYTES_MAX
 * before anything is buffered for it, and a malformed frame closes the connection. Outgoing
 * messages wait in a bounded queue per peer; when it is full the oldest is dropped (Raft
 * tolerates loss and a fresh heartbeat is worth more than a stale one). Lost connections are
 * re-dialled with exponential backoff. Single-threaded (the Node event loop).
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import type { StorageLogger } from '../../storage/logger.js';
import { silentLogger } from '../../storage/logger.js';
import { decodeMessage, encodeMessage, MESSAGE_BYTES_MAX } from './raft-codec.js';
import type { NodeId, WireMessage } from './raft-types.js';

/** Bound on messages queued for one peer; the oldest is dropped beyond it. */
export const PEER_QUEUE_MESSAGES_MAX = 4096;
/** Bound on bytes queued for one peer; the oldest messages are dropped beyond it. */
export const PEER_QUEUE_BYTES_MAX = 128 * 1024 * 1024;
/** Bound on observers one node keeps links to. */
export const OBSERVER_PEERS_MAX = 64;
/** Bound on inbound connections held at once (peers reconnecting leave a few half-dead ones). */
export const INBOUND_CONNECTIONS_MAX = 64;
/** First and largest delay before re-dialling a peer. */
export const RECONNECT_DELAY_MS_MIN = 20;
export const RECONNECT_DELAY_MS_MAX = 2000;
const FRAME_HEADER_BYTES = 4;

export interface PeerAddress {
  host: string;
  port: number;
}

export interface RaftTransportOptions {
  nodeId: NodeId;
  voters: readonly NodeId[];
  /** Address to listen on (default 127.0.0.1, port 0 = any free port). */
  host?: string;
  port?: number;
  /** Every message that arrives, validated, addressed to this node, from a peer (or an `observe` from anyone). */
  onMessage: (m: WireMessage) => void;
  logger?: StorageLogger;
}

interface PeerLink {
  id: NodeId;
  address: PeerAddress | undefined;
  socket: Socket | undefined;
  connected: boolean;
  waitingDrain: boolean;
  queue: Buffer[];
  queuedBytes: number;
  delayMs: number;
  timer: NodeJS.Timeout | undefined;
}

/** Counters for tests and metrics. */
export interface TransportStats {
  sent: number;
  received: number;
  dropped: number;
  badFrames: number;
}

export class RaftTransport {
  private readonly opts: RaftTransportOptions;
  private readonly logger: StorageLogger;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly voterIds: ReadonlySet<NodeId>;
  private readonly inbound = new Set<Socket>();
  private server: Server | undefined;
  private closed = false;
  readonly stats: TransportStats = { sent: 0, received: 0, dropped: 0, badFrames: 0 };

  constructor(opts: RaftTransportOptions) {
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    for (const id of opts.voters) if (id !== opts.nodeId) this.links.set(id, newLink(id));
    this.voterIds = new Set(opts.voters);
  }

  /**
   * An observer to keep a link to, at `address` (re-dialled only when the address changed).
   * False when OBSERVER_PEERS_MAX observers are linked already.
   */
  addObserverPeer(id: NodeId, address: PeerAddress): boolean {
    const link = this.links.get(id);
    if (link) {
      if (link.address?.host !== address.host || link.address?.port !== address.port)
        this.setPeer(id, address);
      return true;
    }
    if (id === this.opts.nodeId || this.links.size - (this.voterIds.size - 1) >= OBSERVER_PEERS_MAX)
      return false;
    this.links.set(id, newLink(id));
    this.setPeer(id, address);
    return true;
  }

  /** Drop the link to an observer (it went silent). */
  removeObserverPeer(id: NodeId): void {
    const link = this.links.get(id);
    if (!link || this.voterIds.has(id)) return;
    this.disconnect(link);
    this.links.delete(id);
  }

  /** Start listening; resolves with the port. */
  listen(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        server.on('error', (err) => this.logger.error({ err }, 'raft transport: listener error'));
        resolve((server.address() as { port: number }).port);
      });
    });
  }

  /** Where peer `id` listens; (re)dials it. */
  setPeer(id: NodeId, address: PeerAddress): void {
    const link = this.links.get(id);
    if (!link) throw new Error(`node ${id} is not a peer of node ${this.opts.nodeId}`);
    link.address = { ...address };
    link.delayMs = RECONNECT_DELAY_MS_MIN;
    this.disconnect(link);
    if (!this.closed) this.dial(link);
  }

  /** Queue `m` for its peer; never blocks, never throws for network trouble. */
  send(m: WireMessage): void {
    const link = this.links.get(m.to);
    if (!link || this.closed) return;
    const body = encodeMessage(m);
    if (body.length > MESSAGE_BYTES_MAX) {
      this.stats.dropped++;
      this.logger.error(
        { to: m.to, type: m.type, bytes: body.length },
        'raft transport: message over the size limit dropped',
      );
      return;
    }
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
    frame.writeUInt32BE(body.length, 0);
    body.copy(frame, FRAME_HEADER_BYTES);
    link.queue.push(frame);
    link.queuedBytes += frame.length;
    while (link.queue.length > PEER_QUEUE_MESSAGES_MAX || link.queuedBytes > PEER_QUEUE_BYTES_MAX) {
      link.queuedBytes -= link.queue.shift()!.length;
      this.stats.dropped++;
    }
    this.flush(link);
  }

  /** Close the listener and every connection; queued messages are discarded. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) {
      this.disconnect(link);
      link.queue = [];
      link.queuedBytes = 0;
    }
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private flush(link: PeerLink): void {
    const s = link.socket;
    if (!s || !link.connected || link.waitingDrain) return;
    while (link.queue.length > 0) {
      const frame = link.queue.shift()!;
      link.queuedBytes -= frame.length;
      this.stats.sent++;
      if (!s.write(frame)) {
        link.waitingDrain = true;
        return;
      }
    }
  }

  private dial(link: PeerLink): void {
    const addr = link.address;
    if (!addr || this.closed) return;
    const socket = tcpConnect({ host: addr.host, port: addr.port });
    socket.setNoDelay(true);
    link.socket = socket;
    socket.on('connect', () => {
      if (link.socket !== socket) return;
      link.connected = true;
      link.delayMs = RECONNECT_DELAY_MS_MIN;
      this.flush(link);
    });
    socket.on('drain', () => {
      if (link.socket !== socket) return;
      link.waitingDrain = false;
      this.flush(link);
    });
    socket.on('data', () => {}); // nothing comes back on an outgoing link
    socket.on('error', () => {}); // 'close' follows and schedules the retry
    socket.on('close', () => {
      if (link.socket !== socket) return;
      link.socket = undefined;
      link.connected = false;
      link.waitingDrain = false;
      this.scheduleDial(link);
    });
  }

  private scheduleDial(link: PeerLink): void {
    if (this.closed || link.timer) return;
    const delay = link.delayMs;
    link.delayMs = Math.min(link.delayMs * 2, RECONNECT_DELAY_MS_MAX);
    link.timer = setTimeout(() => {
      link.timer = undefined;
      this.dial(link);
    }, delay);
  }

  private disconnect(link: PeerLink): void {
    if (link.timer) clearTimeout(link.timer);
    link.timer = undefined;
    const s = link.socket;
    link.socket = undefined;
    link.connected = false;
    link.waitingDrain = false;
    s?.destroy();
  }

  private accept(socket: Socket): void {
    if (this.closed || this.inbound.size >= INBOUND_CONNECTIONS_MAX) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    let chunks: Buffer[] = [];
    let buffered = 0;
    let need = -1; // body length of the frame being read; -1 while reading its header
    const dropConnection = (why: string): void => {
      this.stats.badFrames++;
      this.logger.warn(
        { remote: socket.remoteAddress, why },
        'raft transport: closing a connection that sent a bad frame',
      );
      socket.destroy();
    };
    const take = (n: number): Buffer => {
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
      const out = all.subarray(0, n);
      const rest = all.subarray(n);
      chunks = rest.length > 0 ? [rest] : [];
      buffered = rest.length;
      return out;
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      buffered += chunk.length;
      for (;;) {
        if (need < 0) {
          if (buffered < FRAME_HEADER_BYTES) return;
          need = take(FRAME_HEADER_BYTES).readUInt32BE(0);
          if (need === 0 || need > MESSAGE_BYTES_MAX) {
            dropConnection(`frame length ${need} outside 1..${MESSAGE_BYTES_MAX}`);
            return;
          }
        }
        if (buffered < need) return;
        const body = take(need);
        need = -1;
        let m: WireMessage;
        try {
          m = decodeMessage(body);
        } catch (err) {
          dropConnection((err as Error).message);
          return;
        }
        if (m.to !== this.opts.nodeId || (!this.links.has(m.from) && m.type !== 'observe')) {
          dropConnection(`message from ${m.from} to ${m.to} does not belong here (node ${this.opts.nodeId})`);
          return;
        }
        this.stats.received++;
        this.opts.onMessage(m);
        if (socket.destroyed) return;
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.inbound.delete(socket));
  }
}

function newLink(id: NodeId): PeerLink {
  return {
    id,
    address: undefined,
    socket: undefined,
    connected: false,
    waitingDrain: false,
    queue: [],
    queuedBytes: 0,
    delayMs: RECONNECT_DELAY_MS_MIN,
    timer: undefined,
  };
}
