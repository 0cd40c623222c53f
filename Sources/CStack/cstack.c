#define _GNU_SOURCE
#include <pthread.h>
#include "cstack.h"

int hrctl_stack_bounds(void **low, size_t *size) {
#if defined(__linux__)
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return -1;
    int rc = pthread_attr_getstack(&attr, low, size);
    pthread_attr_destroy(&attr);
    return rc;
#else
    (void)low; (void)size;
    return -1;
#endif
}
