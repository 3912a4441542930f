# Sends hand-made Ethernet frames (frames.py) through an AF_PACKET socket (Node has none).
# Argument: one JSON object: frames.py's fields, and iface and count.
import json, socket, sys
from frames import build

a = json.loads(sys.argv[1])
frame = build(a)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((a['iface'], 0))
for _ in range(a['count']):
    s.send(frame)
