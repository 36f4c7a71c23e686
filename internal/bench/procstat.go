package bench

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ, 100 on every Linux ABI.
const clockTick = 10 * time.Millisecond

// procSample is what /proc says about a process at one instant.
type procSample struct {
	at  time.Time
	cpu time.Duration // user + system time consumed so far
	rss int64         // resident set, bytes
	hwm int64         // peak resident set, bytes
}

// sampleProc reads the CPU time and resident memory of process pid from /proc.
func sampleProc(pid int) (procSample, error) {
	s := procSample{at: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, fmt.Errorf("read process stats: %w", err)
	}
	// The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return s, fmt.Errorf("parse /proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(string(stat[end+1:]))
	// fields[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(fields) < 13 {
		return s, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(fields)+2)
	}
	for _, f := range fields[11:13] {
		ticks, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return s, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
		}
		s.cpu += time.Duration(ticks) * clockTick
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, fmt.Errorf("read process status: %w", err)
	}
	for line := range strings.Lines(string(status)) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return s, fmt.Errorf("parse /proc/%d/status %s: %w", pid, name, err)
		}
		if name == "VmRSS" {
			s.rss = kb << 10
		} else {
			s.hwm = kb << 10
		}
	}
	return s, nil
}

// cpuShare is the CPU the process used between two samples, in cores (1.5 = one and a half cores busy).
func cpuShare(from, to procSample) float64 {
	wall := to.at.Sub(from.at)
	if wall <= 0 {
		return 0
	}
	return float64(to.cpu-from.cpu) / float64(wall)
}

// selfCPU is the CPU time (user and system) this process has used, to the microsecond: the ceilings
// measured in this process may be too short for /proc's ticks.
func selfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
