# FindCAF.cmake — the C++ Actor Framework as Debian packages it (libcaf-dev 0.17.6),
# which ships neither a CMake config nor a pkg-config file.
#
#   find_package(CAF 0.17 REQUIRED COMPONENTS core io [openssl])
#
# Components: core (always required), io, openssl (needs io).
# Hints: CAF_ROOT (prefix), or the cache variables CAF_INCLUDE_DIR and
# CAF_<COMPONENT>_LIBRARY.
#
# Result variables:
#   CAF_FOUND, CAF_VERSION (e.g. 0.17.6), CAF_INCLUDE_DIRS, CAF_LIBRARIES,
#   CAF_<component>_FOUND
# Imported targets (include directory marked SYSTEM, so CAF's headers do not
# trigger our warnings):
#   CAF::core     links Threads::Threads
#   CAF::io       links CAF::core
#   CAF::openssl  links CAF::io

include(FindPackageHandleStandardArgs)

find_path(CAF_INCLUDE_DIR NAMES caf/config.hpp)
mark_as_advanced(CAF_INCLUDE_DIR)

# CAF_VERSION is encoded as MMmmpp: 1706 -> 0.17.6.
set(CAF_VERSION "")
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line
       REGEX "^#define[ \t]+CAF_VERSION[ \t]+[0-9]+")
  if(_caf_version_line MATCHES "CAF_VERSION[ \t]+([0-9]+)")
    set(_caf_v "${CMAKE_MATCH_1}")
    math(EXPR _caf_major "${_caf_v} / 10000")
    math(EXPR _caf_minor "(${_caf_v} / 100) % 100")
    math(EXPR _caf_patch "${_caf_v} % 100")
    set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
  endif()
  unset(_caf_version_line)
  unset(_caf_v)
  unset(_caf_major)
  unset(_caf_minor)
  unset(_caf_patch)
endif()

# core is always needed; openssl needs io.
set(_caf_components core ${CAF_FIND_COMPONENTS})
if(openssl IN_LIST _caf_components)
  list(APPEND _caf_components io)
endif()
list(REMOVE_DUPLICATES _caf_components)

find_package(Threads QUIET)

set(CAF_LIBRARIES "")
foreach(_comp IN LISTS _caf_components)
  if(NOT _comp MATCHES "^(core|io|openssl)$")
    set(CAF_${_comp}_FOUND FALSE)
    continue()
  endif()
  find_library(CAF_${_comp}_LIBRARY NAMES caf_${_comp})
  mark_as_advanced(CAF_${_comp}_LIBRARY)
  if(CAF_${_comp}_LIBRARY AND CAF_INCLUDE_DIR)
    set(CAF_${_comp}_FOUND TRUE)
    list(APPEND CAF_LIBRARIES "${CAF_${_comp}_LIBRARY}")
  else()
    set(CAF_${_comp}_FOUND FALSE)
  endif()
endforeach()
if(NOT Threads_FOUND)
  set(CAF_core_FOUND FALSE)
endif()
if(CAF_openssl_FOUND AND NOT CAF_io_FOUND)
  set(CAF_openssl_FOUND FALSE)
endif()

find_package_handle_standard_args(CAF
  REQUIRED_VARS CAF_core_LIBRARY CAF_INCLUDE_DIR Threads_FOUND
  VERSION_VAR CAF_VERSION
  HANDLE_COMPONENTS)

if(CAF_FOUND)
  set(CAF_INCLUDE_DIRS "${CAF_INCLUDE_DIR}")
  set(_caf_deps_core Threads::Threads)
  set(_caf_deps_io CAF::core)
  set(_caf_deps_openssl CAF::io)
  foreach(_comp IN LISTS _caf_components)
    if(CAF_${_comp}_FOUND AND NOT TARGET CAF::${_comp})
      add_library(CAF::${_comp} UNKNOWN IMPORTED)
      set_target_properties(CAF::${_comp} PROPERTIES
        IMPORTED_LOCATION "${CAF_${_comp}_LIBRARY}"
        IMPORTED_LINK_INTERFACE_LANGUAGES CXX
        INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
        INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
        INTERFACE_LINK_LIBRARIES "${_caf_deps_${_comp}}")
    endif()
  endforeach()
  unset(_caf_deps_core)
  unset(_caf_deps_io)
  unset(_caf_deps_openssl)
endif()

unset(_comp)
unset(_caf_components)
