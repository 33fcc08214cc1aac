// Kernels for the "generic" instruction-set level (flags set in CMakeLists.txt).
#define NT_ISA_NS isa_generic
#define NT_ISA_NAME "generic"
#include "kernels.inc"
