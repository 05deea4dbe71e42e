// An endpoint of the TCP benchmark (../README.md, "The endpoint contract") on gVisor's netstack,
// over a plain TUN device, set up the way TUN-to-proxy programs (tun2socks, Tailscale) set it up:
//
//	tcp-endpoint-gvisor --ifname NAME --address 198.18.0.2 --peer 198.18.0.1 --prefix-length 24 \
//	                    --mtu 1500 [--max-seconds 600]
//
// It creates the TUN interface NAME (IFF_TUN | IFF_NO_PI; this vintage of netstack has no TUN
// offloads); the harness gives the kernel's side of it the peer address, the MTU, and brings it
// up after "ready". Ports: SINK 5001, SOURCE 5002 (bulk_pattern.h's bytes), HTTP 8080 (Go's
// net/http over gonet, a 12-byte body).
//
// Built offline from Debian's golang-gvisor-gvisor-dev (0.0~20221219) in GOPATH mode; see
// CMakeLists.txt.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/link/fdbased"
	"gvisor.dev/gvisor/pkg/tcpip/link/tun"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/stack"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

const (
	nicID      = 1
	sinkPort   = 5001
	sourcePort = 5002
	httpPort   = 8080
	// The bulk pattern of ../kernel/bulk_pattern.h: byte at stream offset o is o mod 251, written
	// in whole chunks of 251 KiB so the stream never leaves the pattern.
	patternPeriod = 251
	chunkBytes    = patternPeriod * 1024
	readBytes     = 64 << 10
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tcp-endpoint-gvisor: "+format+"\n", args...)
	os.Exit(1)
}

// The TCP settings of tun2socks (SACK, CUBIC, RACK, Nagle off) with buffer ranges as Tailscale
// sizes them (receive up to 8 MiB, send up to 6 MiB), and receive-buffer autotuning on.
func configureTCP(s *stack.Stack) {
	sack := tcpip.TCPSACKEnabled(true)
	cubic := tcpip.CongestionControlOption("cubic")
	rack := tcpip.TCPRecovery(tcpip.TCPRACKLossDetection)
	noDelay := tcpip.TCPDelayEnabled(false)
	autotune := tcpip.TCPModerateReceiveBufferOption(true)
	receive := tcpip.TCPReceiveBufferSizeRangeOption{Min: tcp.MinBufferSize, Default: tcp.DefaultReceiveBufferSize, Max: 8 << 20}
	send := tcpip.TCPSendBufferSizeRangeOption{Min: tcp.MinBufferSize, Default: tcp.DefaultSendBufferSize, Max: 6 << 20}
	for _, option := range []tcpip.SettableTransportProtocolOption{&sack, &cubic, &rack, &noDelay, &autotune, &receive, &send} {
		if err := s.SetTransportProtocolOption(tcp.ProtocolNumber, option); err != nil {
			fail("TCP option %T: %v", option, err)
		}
	}
}

func newStack(ifname string, address tcpip.Address, prefixLength int, mtu uint32) *stack.Stack {
	fd, err := tun.Open(ifname)
	if err != nil {
		fail("TUN %s: %v", ifname, err)
	}
	link, err := fdbased.New(&fdbased.Options{FDs: []int{fd}, MTU: mtu})
	if err != nil {
		fail("fdbased: %v", err)
	}
	s := stack.New(stack.Options{
		NetworkProtocols:   []stack.NetworkProtocolFactory{ipv4.NewProtocol},
		TransportProtocols: []stack.TransportProtocolFactory{tcp.NewProtocol},
	})
	configureTCP(s)
	if err := s.CreateNIC(nicID, link); err != nil {
		fail("CreateNIC: %v", err)
	}
	withPrefix := tcpip.AddressWithPrefix{Address: address, PrefixLen: prefixLength}
	protocolAddress := tcpip.ProtocolAddress{Protocol: ipv4.ProtocolNumber, AddressWithPrefix: withPrefix}
	if err := s.AddProtocolAddress(nicID, protocolAddress, stack.AddressProperties{}); err != nil {
		fail("AddProtocolAddress: %v", err)
	}
	s.SetRouteTable([]tcpip.Route{{Destination: withPrefix.Subnet(), NIC: nicID}})
	return s
}

func listen(s *stack.Stack, address tcpip.Address, port uint16) net.Listener {
	listener, err := gonet.ListenTCP(s, tcpip.FullAddress{NIC: nicID, Addr: address, Port: port}, ipv4.ProtocolNumber)
	if err != nil {
		fail("listen on port %d: %v", port, err)
	}
	return listener
}

func acceptEach(listener net.Listener, serve func(net.Conn)) {
	for {
		conn, err := listener.Accept()
		if err != nil {
			return
		}
		go serve(conn)
	}
}

func sink(conn net.Conn) {
	defer conn.Close()
	buffer := make([]byte, readBytes)
	for {
		if _, err := conn.Read(buffer); err != nil {
			return
		}
	}
}

func source(pattern []byte) func(net.Conn) {
	return func(conn net.Conn) {
		defer conn.Close()
		for {
			if _, err := conn.Write(pattern); err != nil {
				return
			}
		}
	}
}

func main() {
	ifname := flag.String("ifname", "", "TUN interface to create")
	addressText := flag.String("address", "", "this stack's IPv4 address")
	flag.String("peer", "", "the kernel side's address (reached through the subnet)")
	prefixLength := flag.Int("prefix-length", 24, "subnet prefix length")
	mtu := flag.Uint("mtu", 1500, "MTU of the TUN interface")
	maxSeconds := flag.Int("max-seconds", 600, "stop by itself after this long")
	flag.Parse()
	ip := net.ParseIP(*addressText).To4()
	if *ifname == "" || ip == nil || *mtu < 576 || *mtu > 65535 || *prefixLength < 1 || *prefixLength > 30 {
		flag.Usage()
		os.Exit(2)
	}
	address := tcpip.Address(ip)

	s := newStack(*ifname, address, *prefixLength, uint32(*mtu))
	pattern := make([]byte, chunkBytes)
	for i := range pattern {
		pattern[i] = byte(i % patternPeriod)
	}
	go acceptEach(listen(s, address, sinkPort), sink)
	go acceptEach(listen(s, address, sourcePort), source(pattern))
	body := []byte("hello world\n")
	answer := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(body)
	})
	go http.Serve(listen(s, address, httpPort), answer)
	fmt.Println("ready")

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-stop:
	case <-time.After(time.Duration(*maxSeconds) * time.Second):
	}
	os.Exit(0)
}
