// The guest runtime, all of it: include this.
#pragma once

#include "rt/apic.h"
#include "rt/boot.h"
#include "rt/clock.h"
#include "rt/console.h"
#include "rt/cpu.h"
#include "rt/libc.h"
#include "rt/trap.h"
#include "rt/tap.h"
#include "rt/trace.h"
#include "rt/user.h"
