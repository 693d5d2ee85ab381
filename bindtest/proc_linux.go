package bindtest

import "syscall"

// sysProcAttr kills named when the test binary dies without running cleanups.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
