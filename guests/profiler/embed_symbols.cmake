# Post-link step: writes the function symbols of ELF into its own
# `vpmu_symtab` section (profiler/symtab.h), in place, without moving
# anything: the section keeps its size (objcopy --update-section).
#   cmake -DELF=image -DNM=nm -DOBJCOPY=objcopy -DWORK=dir -P embed_symbols.cmake
foreach(var ELF NM OBJCOPY WORK)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_symbols.cmake: -D${var}=... missing")
  endif()
endforeach()

get_filename_component(base "${ELF}" NAME)
set(old "${WORK}/${base}.symtab.old")
set(new "${WORK}/${base}.symtab.txt")
execute_process(COMMAND "${OBJCOPY}" --dump-section ".vpmu_symtab=${old}" "${ELF}" "${WORK}/${base}.scratch"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "embed_symbols: ${ELF} has no .vpmu_symtab section (link profiler/vpmu_symtab.S): ${err}")
endif()
file(REMOVE "${WORK}/${base}.scratch")
file(SIZE "${old}" room)

execute_process(COMMAND "${NM}" -n -S -C --defined-only "${ELF}"
                OUTPUT_VARIABLE listing RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "embed_symbols: nm ${ELF} failed: ${err}")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(table "")
foreach(line IN LISTS lines)
  # "ADDRESS [SIZE] TYPE NAME": functions only (text, weak).
  if(NOT line MATCHES "^([0-9a-f]+) ([0-9a-f]+ )?([tTwW]) (.+)$")
    continue()
  endif()
  set(address "${CMAKE_MATCH_1}")
  string(STRIP "${CMAKE_MATCH_2}" size)
  set(name "${CMAKE_MATCH_4}")
  if(size STREQUAL "")
    set(size 0)
  endif()
  # perf report style: no "(anonymous namespace)::", no parameter list.
  string(REPLACE "(anonymous namespace)::" "" name "${name}")
  string(REGEX REPLACE "\\([^()]*\\)( const)?$" "" name "${name}")
  string(APPEND table "${address} ${size} ${name}\n")
endforeach()

string(LENGTH "${table}" length)
if(length GREATER room)
  message(FATAL_ERROR "embed_symbols: the symbol table of ${ELF} is ${length} bytes, .vpmu_symtab has ${room}")
endif()
math(EXPR pad "${room} - ${length}")
if(pad GREATER 0)
  string(REPEAT "\n" ${pad} padding)
  string(APPEND table "${padding}")
endif()
file(WRITE "${new}" "${table}")
execute_process(COMMAND "${OBJCOPY}" --update-section ".vpmu_symtab=${new}" "${ELF}"
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "embed_symbols: objcopy --update-section on ${ELF} failed: ${err}")
endif()
file(REMOVE "${old}")
