// glibc's heap statistics, for xsell-bench's memory breakdowns.
#include <malloc.h>
#include <stddef.h>

/// Bytes of the heap in use (mallinfo2's uordblks; the main arena only, so the bench asks for
/// one arena). A function of its own: Swift reads a bare `mallinfo2()` as the struct's
/// zero initialiser.
static inline size_t xsell_heap_in_use(void) { return mallinfo2().uordblks; }
