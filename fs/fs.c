/* Placeholder translation unit until fs/ lands. */
#include <fs/fs.h>
