/* Run-time version and dependency versions. */
#include "internal/mpi.h"
#include "internal/sm_internal.h"

#include <gdal.h>
#include <geos_c.h>
#include <proj.h>
#include <sqlite3.h>
#include <spatialite.h>
#include <stdio.h>
#ifdef SM_HAVE_OPENMP
#include <omp.h>
#endif

int sm_version_number(void) { return SM_VERSION_NUMBER; }
const char *sm_version_string(void) { return SM_VERSION_STRING; }

int sm_version_check(int compiled) {
  int major = compiled / 10000;
  return major == SM_VERSION_MAJOR && compiled <= SM_VERSION_NUMBER;
}

const char *sm_version_dependencies(void) {
  static char buf[256];
  if (!buf[0]) {
    PJ_INFO pi = proj_info();
#ifdef SM_HAVE_OPENMP
    int omp = _OPENMP;
#else
    int omp = 0;
#endif
    const char *mpi = sm__mpi_library();
    snprintf(buf, sizeof buf, "GDAL %s, PROJ %s, GEOS %s, spatialite %s, OpenMP %s%d, MPI %s",
             GDALVersionInfo("RELEASE_NAME"), pi.version, GEOSversion(), spatialite_version(),
             omp ? "" : "off ", omp, mpi ? mpi : "off");
  }
  return buf;
}
