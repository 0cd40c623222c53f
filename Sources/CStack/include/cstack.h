#ifndef HRCTL_CSTACK_H
#define HRCTL_CSTACK_H
#include <stddef.h>
#include "heap.h"

/// The current thread's stack: lowest address and size. Returns 0 on success.
int hrctl_stack_bounds(void **low, size_t *size);

#endif
