/* The floor: a UDP "DNS server" that does no lookup at all. It receives a
 * batch of datagrams with recvmmsg, answers each with one fixed response
 * (host0.bench.example. A 10.0.0.0, only the query's ID copied in) and sends
 * the batch with sendmmsg. What it costs per query is the kernel's share,
 * the least any server on this machine can spend.
 *   floor PORT          (listens on 127.0.0.1:PORT until killed) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BATCH 64

static const unsigned char answer[] = {
    0, 0, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0, /* header: QR AA, 1 question, 1 answer */
    5, 'h', 'o', 's', 't', '0', 5, 'b', 'e', 'n', 'c', 'h', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
    0, 1, 0, 1,                                   /* A IN */
    0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 10, 0, 0, 0};

int main(int argc, char** argv) {
    if (argc != 2) { fprintf(stderr, "usage: floor PORT\n"); return 2; }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr*)&addr, sizeof addr) != 0) { perror("floor: bind"); return 1; }
    static unsigned char in[BATCH][512], out[BATCH][sizeof answer];
    static struct sockaddr_in peers[BATCH];
    static struct iovec in_iov[BATCH], out_iov[BATCH];
    static struct mmsghdr in_msg[BATCH], out_msg[BATCH];
    for (int i = 0; i < BATCH; ++i) {
        memcpy(out[i], answer, sizeof answer);
        in_iov[i] = (struct iovec){in[i], sizeof in[i]};
        out_iov[i] = (struct iovec){out[i], sizeof answer};
        in_msg[i].msg_hdr = (struct msghdr){.msg_name = &peers[i], .msg_iov = &in_iov[i], .msg_iovlen = 1};
        out_msg[i].msg_hdr = (struct msghdr){.msg_name = &peers[i], .msg_iov = &out_iov[i], .msg_iovlen = 1};
    }
    for (;;) {
        for (int i = 0; i < BATCH; ++i) in_msg[i].msg_hdr.msg_namelen = sizeof peers[i];
        int n = recvmmsg(fd, in_msg, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue;
        int m = 0;
        for (int i = 0; i < n; ++i) {
            if (in_msg[i].msg_len < 12) continue;
            out[i][0] = in[i][0];
            out[i][1] = in[i][1];
            out_msg[m].msg_hdr.msg_name = &peers[i];
            out_msg[m].msg_hdr.msg_namelen = in_msg[i].msg_hdr.msg_namelen;
            out_msg[m].msg_hdr.msg_iov = &out_iov[i];
            ++m;
        }
        for (int sent = 0; sent < m;) {
            int k = sendmmsg(fd, out_msg + sent, (unsigned)(m - sent), 0);
            if (k <= 0) break;
            sent += k;
        }
    }
}
