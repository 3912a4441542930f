{
  "targets": [
    {
      "target_name": "nfqueue",
      "sources": ["nfqueue.c"],
      "libraries": ["-lnetfilter_queue", "-lnfnetlink"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
