/* sysprobe [-r] NR [ARG...]: makes one raw syscall and prints the errno it
 * got (0 on success), or with -r its result (-errno on failure). Built
 * static by the tests and copied into a container, to see what a seccomp
 * filter answers for a syscall, or what the kernel reports of the process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int result = argc > 1 && argv[1][0] == '-' && argv[1][1] == 'r';
  if (result) {
    argv++;
    argc--;
  }
  if (argc < 2) {
    fprintf(stderr, "usage: sysprobe [-r] NR [ARG...]\n");
    return 2;
  }
  long a[6] = {0, 0, 0, 0, 0, 0};
  for (int i = 2; i < argc && i < 8; i++) a[i - 2] = strtol(argv[i], NULL, 0);
  long r = syscall(strtol(argv[1], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
  if (result)
    printf("%ld\n", r < 0 ? -(long)errno : r);
  else
    printf("%d\n", r < 0 ? errno : 0);
  return 0;
}
