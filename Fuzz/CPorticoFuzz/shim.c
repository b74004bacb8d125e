// Only the header matters: the declaration of libFuzzer's driver.
#include "CPorticoFuzz.h"
