#ifndef HRCTL_HEAP_H
#define HRCTL_HEAP_H

/// For a process that runs briefly: freed memory stays with the allocator instead of going
/// back to the system (and coming back as fresh zeroed pages) as heaps shrink and grow.
void hrctl_keep_freed_memory(void);

#endif
