/* Placeholder translation unit until mm/ lands its allocators. */
#include <mm/mm.h>
