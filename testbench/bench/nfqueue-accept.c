// The floor of user-space inspection: an NFQUEUE consumer that accepts every packet unread, one
// verdict each, as soon as the kernel hands it over. The inline benchmark builds it and runs it
// where Bulkhead's inspector runs, on the same queue and steering rules, so the inspector is
// measured against the cheapest consumer the kernel's queue allows.
//
//   cc -O2 -o nfqueue-accept nfqueue-accept.c -lnetfilter_queue    then: nfqueue-accept <queue>
#include <arpa/inet.h>
#include <errno.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#ifndef NF_ACCEPT
#define NF_ACCEPT 1
#endif

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *data) {
  (void)msg;
  (void)data;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  return ph ? nfq_set_verdict(qh, ntohl(ph->packet_id), NF_ACCEPT, 0, NULL) : 0;
}

int main(int argc, char **argv) {
  int num = argc > 1 ? atoi(argv[1]) : 0;
  struct nfq_handle *h = nfq_open();
  if (!h) {
    perror("nfq_open");
    return 1;
  }
  struct nfq_q_handle *qh = nfq_create_queue(h, (unsigned short)num, on_packet, NULL);
  // The same copy mode and queue length as Bulkhead's inspector: the kernel's cost is alike.
  if (!qh || nfq_set_mode(qh, NFQNL_COPY_PACKET, 0xffff) < 0 || nfq_set_queue_maxlen(qh, 4096) < 0) {
    perror("nfq_create_queue");
    return 1;
  }
  printf("accepting queue %d\n", num);
  fflush(stdout);
  static char buf[256 * 1024];
  int fd = nfq_fd(h);
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == ENOBUFS) continue;
    if (n < 0) {
      perror("recv");
      return 1;
    }
    nfq_handle_packet(h, buf, (int)n);
  }
}
