# Hand-made Ethernet frames (send-frames.py, frame-latency.py): what an attacker on a trunk port
# can put on the wire. build(a) takes one JSON object {dstMac, srcMac, tags: [[tpid, vid], ...],
# kind} and, by kind:
#   tcp (default): src, dst, sport, dport, seq, payloadHex, flags (default PSH|ACK), urgent
#                  (urgent pointer, sets URG), ipId, fragOffset (8-byte units), moreFragments,
#                  ipPayloadHex (send these bytes as the IP payload instead of the TCP segment:
#                  a hand-cut fragment);
#   udp:           src, dst, sport, dport, payloadHex;
#   arp:           op (1 request, 2 reply), senderMac, senderIp, targetMac, targetIp;
#   raw:           etherType, payloadHex.
# Checksums are right, so only policy stops it.
import socket, struct

def checksum(b):
    if len(b) % 2:
        b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    t += t >> 16
    return ~t & 0xffff

def mac(s):
    return bytes.fromhex(s.replace(':', ''))

def build(a):
    def ipv4(proto, body):
        src, dst = socket.inet_aton(a['src']), socket.inet_aton(a['dst'])
        frag = (a.get('fragOffset', 0) & 0x1fff) | (0x2000 if a.get('moreFragments') else 0)
        h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(body), a.get('ipId', 1), frag, 64, proto, 0, src, dst)
        return h[:10] + struct.pack('!H', checksum(h)) + h[12:] + body

    def transport(proto, header):
        src, dst = socket.inet_aton(a['src']), socket.inet_aton(a['dst'])
        return checksum(src + dst + struct.pack('!BBH', 0, proto, len(header)) + header)

    kind = a.get('kind', 'tcp')
    payload = bytes.fromhex(a.get('payloadHex', ''))
    if kind == 'tcp':
        flags = a.get('flags', 0x18) | (0x20 if 'urgent' in a else 0)
        seg = struct.pack('!HHIIBBHHH', a['sport'], a['dport'], a['seq'], a.get('ack', 0), 0x50, flags, 65535, 0, a.get('urgent', 0)) + payload
        seg = seg[:16] + struct.pack('!H', transport(6, seg)) + seg[18:]
        body = ipv4(6, bytes.fromhex(a['ipPayloadHex']) if 'ipPayloadHex' in a else seg)
        ether = 0x0800
    elif kind == 'udp':
        dg = struct.pack('!HHHH', a['sport'], a['dport'], 8 + len(payload), 0) + payload
        dg = dg[:6] + struct.pack('!H', transport(17, dg) or 0xffff) + dg[8:]
        body = ipv4(17, dg)
        ether = 0x0800
    elif kind == 'arp':
        body = struct.pack('!HHBBH', 1, 0x0800, 6, 4, a['op']) + mac(a['senderMac']) + socket.inet_aton(a['senderIp']) + mac(a['targetMac']) + socket.inet_aton(a['targetIp'])
        ether = 0x0806
    else:
        body = payload
        ether = a['etherType']
    tags = b''.join(struct.pack('!HH', tpid, vid) for tpid, vid in a.get('tags', []))
    frame = mac(a['dstMac']) + mac(a['srcMac']) + tags + struct.pack('!H', ether) + body
    frame += b'\0' * max(0, 60 - len(frame))
    return frame
