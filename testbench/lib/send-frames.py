# Sends hand-made Ethernet frames carrying one IPv4/TCP segment, with any stack of VLAN tags,
# through an AF_PACKET socket (Node has none): what an attacker on a trunk port can put on the
# wire. Argument: one JSON object {iface, dstMac, srcMac, src, dst, sport, dport, seq,
# payloadHex, tags: [[tpid, vid], ...], count}. Checksums are right, so only policy stops it.
import json, socket, struct, sys

a = json.loads(sys.argv[1])

def checksum(b):
    if len(b) % 2:
        b += b'\0'
    t = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xffff)
    t += t >> 16
    return ~t & 0xffff

src, dst = socket.inet_aton(a['src']), socket.inet_aton(a['dst'])
payload = bytes.fromhex(a['payloadHex'])
tcp = struct.pack('!HHIIBBHHH', a['sport'], a['dport'], a['seq'], 0, 0x50, 0x18, 65535, 0, 0) + payload
tcp = tcp[:16] + struct.pack('!H', checksum(src + dst + struct.pack('!BBH', 0, 6, len(tcp)) + tcp)) + tcp[18:]
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, src, dst)
ip = ip[:10] + struct.pack('!H', checksum(ip)) + ip[12:]
tags = b''.join(struct.pack('!HH', tpid, vid) for tpid, vid in a['tags'])
frame = bytes.fromhex(a['dstMac'].replace(':', '')) + bytes.fromhex(a['srcMac'].replace(':', '')) + tags + struct.pack('!H', 0x0800) + ip + tcp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((a['iface'], 0))
for _ in range(a['count']):
    s.send(frame)
