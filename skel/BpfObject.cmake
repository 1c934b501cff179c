# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# bpf_object(NAME SOURCE [CFLAGS...])
#
# Compiles SOURCE (bpf/NAME.bpf.c, or another source with extra CFLAGS such
# as -DNAME for a flavour of it) into ${CMAKE_BINARY_DIR}/skel/NAME.bpf.o, turns it
# into NAME.skel.h with `bpftool gen skeleton ... name NAME`, and defines the
# INTERFACE target NAME_skel that puts the skeleton on the include path.
# A depfile makes both regenerate when the source or any header it includes
# changes. Nothing here is ever written into the source tree.

# Toolchain checks, once: what is missing is named with its Debian package.
find_program(BPF_CLANG NAMES clang clang-14 clang-15 clang-16)
if(NOT BPF_CLANG)
	message(FATAL_ERROR "clang not found: apt-get install clang llvm")
endif()
execute_process(COMMAND ${BPF_CLANG} --version OUTPUT_VARIABLE _clang_ver)
string(REGEX MATCH "version ([0-9]+)" _m "${_clang_ver}")
if(CMAKE_MATCH_1 LESS 11)
	message(FATAL_ERROR "clang ${CMAKE_MATCH_1} is too old for BPF CO-RE and BTF maps: apt-get install clang (>= 11)")
endif()

find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin /sbin)
if(NOT BPFTOOL)
	message(FATAL_ERROR "bpftool not found (it lives in /usr/sbin): apt-get install bpftool")
endif()
execute_process(COMMAND ${BPFTOOL} gen help ERROR_VARIABLE _gen_help OUTPUT_VARIABLE _gen_help2)
if(NOT "${_gen_help}${_gen_help2}" MATCHES "skeleton.*name")
	message(FATAL_ERROR "${BPFTOOL} cannot run 'gen skeleton FILE name NAME': apt-get install bpftool (>= 5.15)")
endif()

# clang -target bpf does not search the host's system directories; add them
# last (-idirafter) so bpf/ and vmlinux/ headers win, as libbpf-bootstrap does.
execute_process(COMMAND ${BPF_CLANG} -v -E - INPUT_FILE /dev/null
	OUTPUT_QUIET ERROR_VARIABLE _clang_v)
string(REGEX MATCH "#include <...> search starts here:\n(.*)End of search list" _m "${_clang_v}")
string(REGEX REPLACE "\n +" ";" _sysdirs "${CMAKE_MATCH_1}")
set(BPF_SYS_INCLUDES "")
foreach(_d ${_sysdirs})
	string(STRIP "${_d}" _d)
	if(_d)
		list(APPEND BPF_SYS_INCLUDES -idirafter ${_d})
	endif()
endforeach()

set(BPF_CFLAGS -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror)

function(bpf_object name src)
	set(out ${CMAKE_BINARY_DIR}/skel)
	set(obj ${out}/${name}.bpf.o)
	set(skel ${out}/${name}.skel.h)
	file(MAKE_DIRECTORY ${out})
	get_filename_component(srcdir ${src} DIRECTORY)

	add_custom_command(OUTPUT ${obj}
		COMMAND ${BPF_CLANG} ${BPF_CFLAGS}
			-I${srcdir} -I${PROJECT_SOURCE_DIR}/vmlinux ${BPF_SYS_INCLUDES}
			${ARGN} -MD -MF ${obj}.d -c ${src} -o ${obj}
		DEPENDS ${src}
		DEPFILE ${obj}.d
		COMMENT "BPF ${name}.bpf.c -> ${name}.bpf.o"
		VERBATIM)
	# libbpf warns about .xdp_run_config (only libxdp reads it): drop stderr
	# of a successful run, keep it when bpftool fails.
	add_custom_command(OUTPUT ${skel}
		COMMAND sh -c "${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}.tmp 2> ${skel}.err || { cat ${skel}.err >&2; exit 1; }; mv ${skel}.tmp ${skel}"
		DEPENDS ${obj}
		COMMENT "skeleton ${name}.skel.h"
		VERBATIM)
	add_custom_target(${name}_skel_gen DEPENDS ${skel} ${obj})
	add_library(${name}_skel INTERFACE)
	add_dependencies(${name}_skel ${name}_skel_gen)
	target_include_directories(${name}_skel INTERFACE ${out} ${srcdir})
	set(${name}_BPF_OBJECT ${obj} PARENT_SCOPE)
endfunction()
