// libkeyutils for Swift: only its fixed-arity wrappers import, because keyctl() is variadic.
#include <keyutils.h>
