// The loop-sum kernel over N = 400,000,000 split between two goroutines
// that send their sums on a channel. Run with GOMAXPROCS=1 and =2.
package main

import "fmt"

func partial(lo, hi int64, out chan<- int64) {
	const p = 1000003
	var s int64
	for i := lo; i < hi; i++ {
		m := i % p
		s += m * m % p
	}
	out <- s
}

func main() {
	const n = 400000000
	const w = 2
	out := make(chan int64)
	for k := int64(0); k < w; k++ {
		go partial(n/w*k, n/w*(k+1), out)
	}
	var total int64
	for k := 0; k < w; k++ {
		total += <-out
	}
	fmt.Println(total)
}
