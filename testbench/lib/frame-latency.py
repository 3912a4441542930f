# One-way latency of hand-made frames (frames.py) across a bridge, on one clock: each frame is
# sent from one network namespace and received in another (AF_PACKET on both), one at a time.
# Argument: one JSON object {fromNs, toNs, iface, frame (frames.py's fields; its TCP seq grows by
# the payload's length each time), count, timeoutMs}. Prints JSON {samples, lost, medianUs, p99Us}.
import ctypes, json, os, socket, struct, sys, time
from frames import build

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
libc = ctypes.CDLL(None, use_errno=True)

def enter(ns):
    fd = os.open('/var/run/netns/' + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns ' + ns)
    finally:
        os.close(fd)

def packet_socket(ns, iface):
    enter(ns)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    return s

a = json.loads(sys.argv[1])
rx = packet_socket(a['toNs'], a['iface'])
tx = packet_socket(a['fromNs'], a['iface'])
rx.settimeout(a['timeoutMs'] / 1000)
f = dict(a['frame'])
step = len(bytes.fromhex(f.get('payloadHex', '')))
samples = []
lost = 0
for k in range(a['count']):
    f['seq'] = (a['frame']['seq'] + k * step) & 0xffffffff
    frame = build(f)
    # The TCP header's ports and sequence number: unique per frame, whatever the tags became.
    marker = struct.pack('!HHI', f['sport'], f['dport'], f['seq'])
    t0 = time.perf_counter_ns()
    tx.send(frame)
    try:
        while True:
            got = rx.recv(4096)
            if marker in got:
                samples.append((time.perf_counter_ns() - t0) / 1000)
                break
    except socket.timeout:
        lost += 1
samples.sort()
pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] if samples else 0
print(json.dumps({'samples': len(samples), 'lost': lost, 'medianUs': pick(0.5), 'p99Us': pick(0.99)}))
