package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// startTimeout bounds how long a server may take to answer its health check.
const startTimeout = 60 * time.Second

// process is a server the bench started as a separate process on loopback.
type process struct {
	cmd       *exec.Cmd
	addr      string
	startTime time.Duration // from exec to the first healthy answer
	exited    chan error

	stopOnce sync.Once
	stopErr  error
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startProcess runs exe with args (which must make it listen on addr), writing its output to logPath,
// and waits until GET healthPath answers 200.
func startProcess(ctx context.Context, exe string, args []string, addr, healthPath, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close() // the child holds its own descriptor
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", exe, err)
	}
	p := &process{cmd: cmd, addr: addr, exited: make(chan error, 1)}
	go func() { p.exited <- cmd.Wait() }()

	client := &http.Client{Timeout: time.Second}
	deadline := start.Add(startTimeout)
	for {
		res, err := client.Get("http://" + addr + healthPath)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				p.startTime = time.Since(start)
				return p, nil
			}
		}
		select {
		case err := <-p.exited:
			return nil, fmt.Errorf("%s exited before it was healthy (%v): see %s", exe, err, logPath)
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s not healthy after %s: see %s", exe, startTimeout, logPath)
		}
	}
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// stop asks the process to shut down (SIGTERM) and kills it if it has not exited after a while. Only
// the first call acts; every call returns its result.
func (p *process) stop() error {
	p.stopOnce.Do(func() { p.stopErr = p.terminate() })
	return p.stopErr
}

func (p *process) terminate() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.cmd.Process.Kill()
	}
	select {
	case err := <-p.exited:
		if err != nil {
			return fmt.Errorf("server exit: %w", err)
		}
		return nil
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
		return errors.New("server did not stop within 10s of SIGTERM; killed")
	}
}
