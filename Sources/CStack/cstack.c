#define _GNU_SOURCE
#include <pthread.h>
#include "cstack.h"

/* A thread's stack never moves, and pthread_getattr_np costs a system call (and, on the main
   thread, a read of /proc/self/maps): asked once for each template parsed or run, it was a
   thousand calls in one render of kube-prometheus-stack. */
static __thread void *known_low;
static __thread size_t known_size;

int hrctl_stack_bounds(void **low, size_t *size) {
#if defined(__linux__)
    if (known_size == 0) {
        pthread_attr_t attr;
        if (pthread_getattr_np(pthread_self(), &attr) != 0) return -1;
        int rc = pthread_attr_getstack(&attr, &known_low, &known_size);
        pthread_attr_destroy(&attr);
        if (rc != 0) { known_size = 0; return rc; }
    }
    *low = known_low;
    *size = known_size;
    return 0;
#else
    (void)low; (void)size;
    return -1;
#endif
}
