import { ipOf } from './addresses.ts'
import type { ConnectionGater, Logger, MultiaddrConnection } from '@libp2p/interface'

/** Options for {@link PerIpConnectionGater}. */
export interface PerIpConnectionGaterInit {
  /** Inbound connections accepted from one IP address at a time (established or upgrading). */
  maxConnectionsPerIP: number
  /**
   * Loopback addresses (127.0.0.0/8, ::1) are not limited: a swarm of nodes on one machine all
   * connect from 127.0.0.1 (the `test` profile, via `Routing.LoopbackAddressesOnLanDHT`).
   * Default false.
   */
  exemptLoopback?: boolean
}

/** Collaborators of {@link PerIpConnectionGater}. */
export interface PerIpConnectionGaterComponents {
  log: Logger
}

/**
 * A libp2p connection gater that limits inbound connections per remote IP address, so one host
 * cannot take every connection slot. A connection is counted from the moment the transport
 * accepts it (before the Noise handshake, so slow handshakes count too) until its socket closes.
 * A refused connection is closed by libp2p and logged here; it never disturbs the host.
 *
 * The global maximum (`Swarm.MaxConnections`) is enforced by libp2p's connection manager, which
 * runs before any gater and logs its own refusals under `libp2p:connection-manager`.
 */
export class PerIpConnectionGater implements ConnectionGater {
  private readonly counts = new Map<string, number>()
  private readonly maxConnectionsPerIP: number
  private readonly exemptLoopback: boolean
  private readonly log: Logger

  constructor (components: PerIpConnectionGaterComponents, init: PerIpConnectionGaterInit) {
    this.log = components.log
    this.maxConnectionsPerIP = init.maxConnectionsPerIP
    this.exemptLoopback = init.exemptLoopback ?? false
  }

  /** Inbound connections currently counted against `ip`. */
  connectionsFrom (ip: string): number {
    return this.counts.get(ip) ?? 0
  }

  denyInboundConnection (maConn: MultiaddrConnection): boolean {
    const ip = ipOf(maConn.remoteAddr)
    // a connection that already closed will not emit 'close' again: nothing to count
    if (ip == null || maConn.status !== 'open') return false
    if (this.exemptLoopback && (ip.startsWith('127.') || ip === '::1')) return false
    const count = this.connectionsFrom(ip)
    if (count >= this.maxConnectionsPerIP) {
      this.log('refused inbound connection from %a: %d connections from %s already (Swarm.MaxConnectionsPerIP = %d)',
        maConn.remoteAddr, count, ip, this.maxConnectionsPerIP)
      return true
    }
    this.counts.set(ip, count + 1)
    let released = false
    maConn.addEventListener('close', () => {
      if (released) return
      released = true
      const left = this.connectionsFrom(ip) - 1
      if (left > 0) this.counts.set(ip, left)
      else this.counts.delete(ip)
    })
    return false
  }
}
