# The workloads guest and its native twin (one source, two builds), both
# carrying their own symbol table for the profiler (profiler/). Included
# from guests/CMakeLists.txt after vpmu_add_guest is defined.
find_program(VPMU_NM NAMES nm REQUIRED)
find_program(VPMU_GUEST_OBJCOPY NAMES objcopy REQUIRED)

# vpmu_embed_symbols(TARGET): after each link, fill TARGET's vpmu_symtab
# section with its own function symbols (profiler/embed_symbols.cmake).
function(vpmu_embed_symbols target)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DELF=$<TARGET_FILE:${target}> -DNM=${VPMU_NM}
            -DOBJCOPY=${VPMU_GUEST_OBJCOPY} -DWORK=${CMAKE_CURRENT_BINARY_DIR}
            -P ${CMAKE_CURRENT_SOURCE_DIR}/profiler/embed_symbols.cmake
    COMMENT "Embedding the symbol table of ${target}"
    VERBATIM)
endfunction()

set(VPMU_WORKLOAD_SOURCES workloads/workloads.cpp profiler/symtab.cpp profiler/report.cpp)

vpmu_add_guest(workloads
  SOURCES workloads/guest_main.cpp profiler/profiler.cpp profiler/vpmu_symtab.S
  USER_SOURCES ${VPMU_WORKLOAD_SOURCES})
target_include_directories(workloads_guest PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_include_directories(workloads_guest_user PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
vpmu_embed_symbols(workloads_guest)

# Native: the workload code with the guest's user-code flags (same code
# generation), main with the host's; not PIE, so nm's addresses are the
# run-time ones.
add_library(workloads_native_code OBJECT ${VPMU_WORKLOAD_SOURCES})
target_compile_options(workloads_native_code PRIVATE ${VPMU_GUEST_USER_CFLAGS})
target_include_directories(workloads_native_code PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
add_executable(workloads_native workloads/native_main.cpp profiler/vpmu_symtab.S
               $<TARGET_OBJECTS:workloads_native_code>)
target_include_directories(workloads_native PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_options(workloads_native PRIVATE -fno-pie)
target_link_options(workloads_native PRIVATE -no-pie)
target_link_libraries(workloads_native PRIVATE vpmu_warnings)
set_target_properties(workloads_native PROPERTIES OUTPUT_NAME workloads-native
                      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
vpmu_embed_symbols(workloads_native)
