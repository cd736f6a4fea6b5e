/* version.h — the version string vocalc reports (from the VERSION file).
 *
 * Only version.c embeds it, so a change of VERSION rebuilds one object. */
#ifndef VOCALC_VERSION_H
#define VOCALC_VERSION_H

extern const char vocalc_version[];

#endif
