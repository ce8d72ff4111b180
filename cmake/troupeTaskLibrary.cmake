# troupe_add_task_library(NAME SOURCES...): a shared object of TROUPE_TASKs
# that `troupe worker --load` opens. Its tasks go to the library's own C
# table (TROUPE_TASK_LIBRARY()), not to the loading process's registry.
function(troupe_add_task_library name)
  add_library(${name} MODULE ${ARGN})
  target_compile_definitions(${name} PRIVATE TROUPE_BUILDING_TASK_LIBRARY=1)
  # Only the C table is exported; everything else stays inside.
  set_target_properties(${name} PROPERTIES CXX_VISIBILITY_PRESET hidden
                                           VISIBILITY_INLINES_HIDDEN ON PREFIX "lib")
  if(TARGET troupe::runtime)
    target_link_libraries(${name} PRIVATE troupe::runtime)
  endif()
endfunction()
