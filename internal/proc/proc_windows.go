package proc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// Windows has no process groups that a signal reaches; a Job Object is
// the group here (Win32 "Job Objects",
// https://learn.microsoft.com/windows/win32/procthread/job-objects):
//
//   - the leader is created suspended (CREATE_SUSPENDED) in a new console
//     process group (CREATE_NEW_PROCESS_GROUP), assigned to a job of its
//     own (AssignProcessToJobObject), and only then resumed, so every
//     process it starts is in the job as well ("a process associated with
//     a job ... child processes are associated with the same job");
//   - the job has JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
//     (JOBOBJECT_BASIC_LIMIT_INFORMATION): when its last handle closes,
//     which happens when the gallery's owner dies however it dies, every
//     process of the job is terminated;
//   - a polite stop is CTRL_BREAK_EVENT to the console process group
//     (GenerateConsoleCtrlEvent; it reaches only processes attached to the
//     caller's console), the forced one TerminateJobObject.
//
// API references (learn.microsoft.com/windows/win32/api/...):
// jobapi2/nf-jobapi2-assignprocesstojobobject,
// winnt/ns-winnt-jobobject_basic_limit_information (KILL_ON_JOB_CLOSE),
// winnt/ns-winnt-jobobject_extended_limit_information (PeakJobMemoryUsed),
// winnt/ns-winnt-jobobject_basic_process_id_list,
// jobapi2/nf-jobapi2-terminatejobobject,
// wincon/generateconsolectrlevent (CTRL_BREAK_EVENT, process groups),
// processthreadsapi/nf-processthreadsapi-createprocessw (CREATE_SUSPENDED,
// CREATE_NEW_PROCESS_GROUP), tlhelp32/nf-tlhelp32-createtoolhelp32snapshot.
//
// No process of the tree can leave the job: CREATE_BREAKAWAY_FROM_JOB is
// refused without JOB_OBJECT_LIMIT_BREAKAWAY_OK. rgallery itself may
// already run in a job (a terminal, a CI service); a job inside a job
// needs Windows 8 or later.

// sysProcess holds the job of a Process; 0 once released.
type sysProcess struct {
	job windows.Handle
}

// stillActive is STILL_ACTIVE (STATUS_PENDING), the exit code
// GetExitCodeProcess gives a running process.
const stillActive = 259

func prepare(cmd *exec.Cmd) error {
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_NEW_PROCESS_GROUP | windows.CREATE_SUSPENDED
	return nil
}

// attach puts the suspended leader in a new kill-on-close job and resumes
// it. On error the job is closed, which ends the leader.
func (p *Process) attach() error {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return fmt.Errorf("create job object: %w", err)
	}
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	info.BasicLimitInformation.LimitFlags = windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return fmt.Errorf("set kill-on-close on job object: %w", err)
	}
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(p.pid))
	if err != nil {
		windows.CloseHandle(job)
		return fmt.Errorf("open process %d: %w", p.pid, err)
	}
	err = windows.AssignProcessToJobObject(job, h)
	windows.CloseHandle(h)
	if err != nil {
		windows.CloseHandle(job)
		return fmt.Errorf("assign process %d to its job object: %w", p.pid, err)
	}
	p.sys.job = job
	if err := resumeProcess(p.pid); err != nil {
		p.release()
		return err
	}
	return nil
}

// resumeProcess resumes the threads of a process created suspended: the
// one primary thread, found in a Toolhelp snapshot of the system's threads
// (CreateToolhelp32Snapshot, Thread32First/Thread32Next, ResumeThread).
func resumeProcess(pid int) error {
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPTHREAD, 0)
	if err != nil {
		return fmt.Errorf("resume process %d: thread snapshot: %w", pid, err)
	}
	defer windows.CloseHandle(snap)
	var te windows.ThreadEntry32
	te.Size = uint32(unsafe.Sizeof(te))
	resumed := 0
	for err = windows.Thread32First(snap, &te); err == nil; err = windows.Thread32Next(snap, &te) {
		if te.OwnerProcessID != uint32(pid) {
			continue
		}
		th, err := windows.OpenThread(windows.THREAD_SUSPEND_RESUME, false, te.ThreadID)
		if err != nil {
			return fmt.Errorf("resume process %d: open thread %d: %w", pid, te.ThreadID, err)
		}
		_, err = windows.ResumeThread(th)
		windows.CloseHandle(th)
		if err != nil {
			return fmt.Errorf("resume process %d: thread %d: %w", pid, te.ThreadID, err)
		}
		resumed++
	}
	if resumed == 0 {
		return fmt.Errorf("resume process %d: no thread of it found", pid)
	}
	return nil
}

// release closes the job; any process still in it is terminated
// (kill-on-close).
func (p *Process) release() {
	p.mu.Lock()
	job := p.sys.job
	p.sys.job = 0
	p.mu.Unlock()
	if job != 0 {
		windows.CloseHandle(job)
	}
}

func (p *Process) jobHandle() windows.Handle {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.groupGone {
		return 0
	}
	return p.sys.job
}

func signalName(sig syscall.Signal) string { return sig.String() }

// Signal maps the two signals a group can get on Windows: SIGTERM (and
// SIGINT) is CTRL_BREAK_EVENT to the leader's console process group,
// SIGKILL is TerminateJobObject. Other signals have no Windows meaning and
// give an error. Signalling a group that is gone is not an error.
func (p *Process) Signal(sig syscall.Signal) error {
	job := p.jobHandle()
	if job == 0 {
		return nil
	}
	switch sig {
	case syscall.SIGKILL:
		if err := windows.TerminateJobObject(job, 1); err != nil {
			return fmt.Errorf("terminate job object of process %d: %w", p.pid, err)
		}
		return nil
	case syscall.SIGTERM, syscall.SIGINT:
		if err := windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, uint32(p.pid)); err != nil {
			return fmt.Errorf("send CTRL_BREAK_EVENT to process group %d: %w", p.pid, err)
		}
		return nil
	}
	return fmt.Errorf("signal process group %d with %s: not supported on Windows (SIGTERM is CTRL_BREAK_EVENT, SIGKILL terminates the job)", p.pid, sig)
}

// askToStop is Stop's polite step: CTRL_BREAK_EVENT. A gallery without a
// console (a service) cannot send one; then Stop goes straight to
// TerminateJobObject instead of waiting a grace period for nothing.
func (p *Process) askToStop() (bool, error) {
	if err := p.Signal(syscall.SIGTERM); err != nil {
		return false, nil
	}
	return true, nil
}

// findEscaped has nothing to find: no process can leave the job, as it is
// not created with JOB_OBJECT_LIMIT_BREAKAWAY_OK.
func (p *Process) findEscaped() {}

// jobPids is the buffer JobObjectBasicProcessIdList fills
// (JOBOBJECT_BASIC_PROCESS_ID_LIST).
type jobPids struct {
	Assigned uint32
	InList   uint32
	IDs      [1024]uintptr
}

// groupMembers returns the processes in the job: those that have exited
// leave its list.
func (p *Process) groupMembers() ([]int, error) {
	job := p.jobHandle()
	if job == 0 {
		return nil, nil
	}
	return jobMembers(job)
}

func jobMembers(job windows.Handle) ([]int, error) {
	list := new(jobPids)
	err := windows.QueryInformationJobObject(job, windows.JobObjectBasicProcessIdList,
		uintptr(unsafe.Pointer(list)), uint32(unsafe.Sizeof(*list)), nil)
	if err != nil && !errors.Is(err, windows.ERROR_MORE_DATA) {
		return nil, fmt.Errorf("list processes of job object: %w", err)
	}
	pids := make([]int, 0, list.InList)
	for _, id := range list.IDs[:list.InList] {
		pids = append(pids, int(id))
	}
	if list.Assigned > list.InList {
		return pids, fmt.Errorf("list processes of job object: %d of %d listed", list.InList, list.Assigned)
	}
	return pids, nil
}

// Alive reports whether pid names a running process. Windows reuses pids
// as soon as the last handle of a process is closed, so a true answer
// about a process we hold no handle of may be about a newer one.
func Alive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	if err := windows.GetExitCodeProcess(h, &code); err != nil {
		return false
	}
	return code == stillActive
}

// exitPeak is the job's PeakJobMemoryUsed
// (JOBOBJECT_EXTENDED_LIMIT_INFORMATION): the highest committed memory of
// all its processes together. It is commit (private bytes), not working
// set, so it can be above or below the sampled RSS.
func (p *Process) exitPeak(*os.ProcessState) uint64 {
	job := p.jobHandle()
	if job == 0 {
		return 0
	}
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	if err := windows.QueryInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil); err != nil {
		return 0
	}
	return uint64(info.PeakJobMemoryUsed)
}
