# cmake -P script: write OUT_DIR/linux/kvm.h = SYSTEM_HEADER + the hunks for
# include/uapi/linux/kvm.h from PATCH_FILE (kvm-patches/0003), applied with
# no fuzz. Fails, naming the patch, if they do not apply: then the series
# (and check.sh) need rebasing onto the installed linux-libc-dev as well.
foreach(var PATCH_FILE SYSTEM_HEADER OUT_DIR PATCH_PROGRAM)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "patched_uapi.cmake: ${var} not set")
  endif()
endforeach()

file(READ ${PATCH_FILE} patch_text)
string(FIND "${patch_text}" "diff --git a/include/uapi/linux/kvm.h " begin)
if(begin EQUAL -1)
  message(FATAL_ERROR "${PATCH_FILE} does not touch include/uapi/linux/kvm.h")
endif()
string(SUBSTRING "${patch_text}" ${begin} -1 section)
# The section ends at the next file's diff or at the signature.
string(LENGTH "diff --git" skip)
string(SUBSTRING "${section}" ${skip} -1 rest)
set(end -1)
foreach(marker "\ndiff --git " "\n-- \n")
  string(FIND "${rest}" "${marker}" at)
  if(NOT at EQUAL -1 AND (end EQUAL -1 OR at LESS end))
    set(end ${at})
  endif()
endforeach()
if(NOT end EQUAL -1)
  math(EXPR end "${end} + ${skip} + 1")
  string(SUBSTRING "${section}" 0 ${end} section)
endif()

set(work ${OUT_DIR}.tmp)
file(REMOVE_RECURSE ${work})
file(MAKE_DIRECTORY ${work}/linux)
file(WRITE ${work}/kvm.h.diff "${section}")
file(COPY_FILE ${SYSTEM_HEADER} ${work}/linux/kvm.h)

file(READ ${SYSTEM_HEADER} system_text)
string(FIND "${system_text}" "KVM_EXIT_X86_RDPMC" already)
if(already EQUAL -1)
  execute_process(
    COMMAND ${PATCH_PROGRAM} -p3 --fuzz=0 --forward --batch --no-backup-if-mismatch
            -d ${work} -i kvm.h.diff
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the uapi hunks of ${PATCH_FILE} do not apply to ${SYSTEM_HEADER}:\n${out}")
  endif()
endif()

file(MAKE_DIRECTORY ${OUT_DIR}/linux)
file(RENAME ${work}/linux/kvm.h ${OUT_DIR}/linux/kvm.h)
file(REMOVE_RECURSE ${work})
