#define _GNU_SOURCE
#include "cshim.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <linux/sched.h>
#include <linux/bpf.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct sl_clone_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
      cgroup;
};

pid_t sl_clone(uint64_t flags, int cgroup_fd) {
  struct sl_clone_args args;
  memset(&args, 0, sizeof(args));
  args.flags = flags;
  // With CLONE_PARENT the child takes the caller's own exit signal and
  // clone3 insists on exit_signal 0.
  args.exit_signal = (flags & SL_CLONE_PARENT) ? 0 : SIGCHLD;
  if (cgroup_fd >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = (uint64_t)cgroup_fd;
  }
  long r = syscall(SYS_clone3, &args, sizeof(args));
  if (r >= 0 || errno != ENOSYS) return (pid_t)r;
  if (cgroup_fd >= 0 || (flags & SL_CLONE_NEWTIME)) return -1;
  unsigned long legacy = (unsigned long)flags | ((flags & SL_CLONE_PARENT) ? 0 : SIGCHLD);
  return (pid_t)syscall(SYS_clone, legacy, 0, 0, 0, 0);
}

int sl_unshare(int flags) { return unshare(flags); }
int sl_setns(int fd, int nstype) { return setns(fd, nstype); }
int sl_pivot_root(const char *new_root, const char *put_old) {
  return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int sl_open_tree(int dfd, const char *path, unsigned int flags) {
  return (int)syscall(SYS_open_tree, dfd, path, flags);
}
int sl_move_mount(int from_dfd, const char *from_path, int to_dfd, const char *to_path, unsigned int flags) {
  return (int)syscall(SYS_move_mount, from_dfd, from_path, to_dfd, to_path, flags);
}

struct sl_mount_attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

int sl_mount_setattr(int dfd, const char *path, unsigned int flags, uint64_t attr_set, uint64_t attr_clr,
                     uint64_t propagation, uint64_t userns_fd) {
  struct sl_mount_attr attr = {attr_set, attr_clr, propagation, userns_fd};
  return (int)syscall(SYS_mount_setattr, dfd, path, flags, &attr, sizeof(attr));
}
int sl_fsopen(const char *fsname, unsigned int flags) { return (int)syscall(SYS_fsopen, fsname, flags); }
int sl_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux) {
  return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}
int sl_fsmount(int fd, unsigned int flags, unsigned int attr_flags) {
  return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

struct sl_open_how {
  uint64_t flags, mode, resolve;
};

int sl_openat2(int dfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve) {
  struct sl_open_how how = {flags, mode, resolve};
  return (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

int sl_pidfd_open(pid_t pid, unsigned int flags) { return (int)syscall(SYS_pidfd_open, pid, flags); }
int sl_pidfd_send_signal(int pidfd, int sig, unsigned int flags) {
  return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, flags);
}
int sl_close_range(unsigned int first, unsigned int last, unsigned int flags) {
  return (int)syscall(SYS_close_range, first, last, flags);
}
int sl_execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) {
  return (int)syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

int sl_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
  return prctl(option, a2, a3, a4, a5);
}
int sl_ioctl(int fd, unsigned long request, unsigned long arg) { return ioctl(fd, request, arg); }
int sl_ioctl_ptr(int fd, unsigned long request, void *arg) { return ioctl(fd, request, arg); }
int sl_fcntl_int(int fd, int cmd, int arg) { return fcntl(fd, cmd, arg); }
int sl_open_mode(const char *path, int flags, unsigned int mode) { return open(path, flags, (mode_t)mode); }
int sl_openat_mode(int dfd, const char *path, int flags, unsigned int mode) {
  return openat(dfd, path, flags, (mode_t)mode);
}

ssize_t sl_send_fd(int sock, const void *buf, size_t len, int fd) {
  struct iovec iov = {(void *)buf, len};
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  if (fd >= 0) {
    memset(&control, 0, sizeof(control));
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
  }
  ssize_t r;
  do {
    r = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (r < 0 && errno == EINTR);
  return r;
}

ssize_t sl_recv_fd(int sock, void *buf, size_t len, int *fd) {
  struct iovec iov = {buf, len};
  struct msghdr msg;
  memset(&msg, 0, sizeof(msg));
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof(control.buf);
  *fd = -1;
  ssize_t r;
  do {
    r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return r;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      memcpy(fd, CMSG_DATA(c), sizeof(int));
    }
  }
  return r;
}

unsigned long sl_makedev(unsigned int major, unsigned int minor) { return makedev(major, minor); }
unsigned int sl_major(unsigned long dev) { return major(dev); }
unsigned int sl_minor(unsigned long dev) { return minor(dev); }

int sl_personality(unsigned long persona) { return personality(persona); }

int sl_set_mempolicy(int mode, const int *nodes, int count) {
  unsigned long mask[16];
  memset(mask, 0, sizeof(mask));
  const int bits = (int)(sizeof(mask) * 8);
  for (int i = 0; i < count; i++) {
    if (nodes[i] < 0 || nodes[i] >= bits) {
      errno = EINVAL;
      return -1;
    }
    mask[nodes[i] / (8 * sizeof(unsigned long))] |= 1UL << (nodes[i] % (8 * sizeof(unsigned long)));
  }
  return (int)syscall(SYS_set_mempolicy, mode, count > 0 ? mask : NULL, count > 0 ? (unsigned long)bits + 1 : 0UL);
}
int sl_ioprio_set(int which, int who, int ioprio) { return (int)syscall(SYS_ioprio_set, which, who, ioprio); }

struct sl_sched_attr {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

int sl_sched_setattr(pid_t pid, uint32_t policy, uint64_t flags, int32_t nice, uint32_t priority,
                     uint64_t runtime, uint64_t deadline, uint64_t period) {
  struct sl_sched_attr attr = {sizeof(attr), policy, flags, nice, priority, runtime, deadline, period};
  return (int)syscall(SYS_sched_setattr, pid, &attr, 0);
}

int sl_sched_setaffinity_list(pid_t pid, const int *cpus, int count) {
  cpu_set_t *set = CPU_ALLOC(1024);
  if (set == NULL) return -1;
  size_t size = CPU_ALLOC_SIZE(1024);
  CPU_ZERO_S(size, set);
  for (int i = 0; i < count; i++) {
    if (cpus[i] < 0 || cpus[i] >= 1024) {
      CPU_FREE(set);
      errno = EINVAL;
      return -1;
    }
    CPU_SET_S(cpus[i], size, set);
  }
  int r = sched_setaffinity(pid, size, set);
  int saved = errno;
  CPU_FREE(set);
  errno = saved;
  return r;
}

int sl_setresuid(uid_t uid) { return setresuid(uid, uid, uid); }
int sl_setresgid(gid_t gid) { return setresgid(gid, gid, gid); }

int sl_setrlimit(int resource, uint64_t soft, uint64_t hard) {
  struct rlimit64 value = {soft, hard};
  return prlimit64(0, (enum __rlimit_resource)resource, &value, NULL);
}

int sl_getrlimit(int resource, uint64_t *soft, uint64_t *hard) {
  struct rlimit64 value;
  int r = prlimit64(0, (enum __rlimit_resource)resource, NULL, &value);
  if (r == 0) {
    *soft = value.rlim_cur;
    *hard = value.rlim_max;
  }
  return r;
}

long sl_statfs_type(const char *path) {
  struct statfs fs;
  if (statfs(path, &fs) != 0) return -1;
  return (long)fs.f_type;
}

long sl_fstatfs_type(int fd) {
  struct statfs fs;
  if (fstatfs(fd, &fs) != 0) return -1;
  return (long)fs.f_type;
}

int sl_accept_cloexec(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC); }
int sl_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int sl_signalfd_read(int fd) {
  struct signalfd_siginfo info;
  ssize_t n = read(fd, &info, sizeof(info));
  if (n != (ssize_t)sizeof(info)) return n == 0 ? 0 : -1;
  return (int)info.ssi_signo;
}

static long sl_bpf(int cmd, union bpf_attr *attr) { return syscall(SYS_bpf, cmd, attr, sizeof(*attr)); }

int sl_bpf_load_device_program(const void *insns, int count, char *log, unsigned log_size) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)count;
  attr.license = (uint64_t)(uintptr_t) "Apache";
  if (log != NULL && log_size > 0) {
    log[0] = 0;
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = log_size;
    attr.log_level = 1;
  }
  int fd = (int)sl_bpf(BPF_PROG_LOAD, &attr);
  if (fd < 0 && log != NULL && errno != EINVAL) log[0] = 0;
  return fd;
}

int sl_bpf_attach_device_program(int cgroup_fd, int prog_fd) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.target_fd = (uint32_t)cgroup_fd;
  attr.attach_bpf_fd = (uint32_t)prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  return (int)sl_bpf(BPF_PROG_ATTACH, &attr);
}

int sl_bpf_detach_device_program(int cgroup_fd, int prog_fd) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.target_fd = (uint32_t)cgroup_fd;
  attr.attach_bpf_fd = (uint32_t)prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  return (int)sl_bpf(BPF_PROG_DETACH, &attr);
}

int sl_bpf_query_device_programs(int cgroup_fd, uint32_t *ids, uint32_t *count) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.query.target_fd = (uint32_t)cgroup_fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
  attr.query.prog_cnt = *count;
  int r = (int)sl_bpf(BPF_PROG_QUERY, &attr);
  if (r == 0) *count = attr.query.prog_cnt;
  return r;
}

int sl_bpf_prog_fd_by_id(uint32_t id) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof(attr));
  attr.prog_id = id;
  return (int)sl_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
}

int sl_seccomp_load(const void *filter, size_t bytes, unsigned int flags) {
  struct sock_fprog prog;
  prog.len = (unsigned short)(bytes / sizeof(struct sock_filter));
  prog.filter = (struct sock_filter *)filter;
  return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

int sl_seccomp_action_available(uint32_t action) {
  return (int)syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action);
}

int sl_seccomp_flags_supported(unsigned int flags) {
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL);
  return (r < 0 && errno == EFAULT) ? 1 : 0;
}

int sl_memfd(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int sl_eventfd(void) { return eventfd(0, EFD_CLOEXEC); }

int sl_inotify_watch(const char *path, uint32_t mask) {
  int fd = inotify_init1(IN_CLOEXEC);
  if (fd < 0) return -1;
  if (inotify_add_watch(fd, path, mask) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

long sl_syscall5(long number, long a1, long a2, long a3, long a4, long a5) {
  return syscall(number, a1, a2, a3, a4, a5);
}

int sl_errno(void) { return errno; }
void sl_set_errno(int value) { errno = value; }

static void fill_catchable(sigset_t *set) {
  sigfillset(set);
  sigdelset(set, SIGKILL);
  sigdelset(set, SIGSTOP);
}

int sl_block_signals_for_forwarding(void) {
  sigset_t set;
  fill_catchable(&set);
  return sigprocmask(SIG_BLOCK, &set, NULL);
}

int sl_unblock_all_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  return sigprocmask(SIG_SETMASK, &set, NULL);
}

int sl_reset_signal_dispositions(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = SIG_DFL;
  for (int sig = 1; sig < _NSIG; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    // Real-time signals reserved by glibc return EINVAL: ignore.
    (void)sigaction(sig, &sa, NULL);
  }
  return 0;
}

int sl_signalfd_all(void) {
  sigset_t set;
  fill_catchable(&set);
  return signalfd(-1, &set, SFD_CLOEXEC);
}

#ifndef SWIFTLET_COMMIT
#define SWIFTLET_COMMIT "unknown"
#endif
const char *sl_build_commit(void) { return SWIFTLET_COMMIT; }

long sl_join_session_keyring(const char *name) { return syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name); }
