/* version.c — the one object that embeds VOCALC_VERSION (the Makefile makes
 * it depend on the VERSION file). */
#include "version.h"

#ifndef VOCALC_VERSION
#error "VOCALC_VERSION must be defined by the build (see Makefile)"
#endif

const char vocalc_version[] = VOCALC_VERSION;
