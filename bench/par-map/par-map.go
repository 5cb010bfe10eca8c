// Collatz step counts of 1..=1,000,000 computed by one goroutine per core
// over contiguous chunks, results in order. Run with GOMAXPROCS=1 and =2.
package main

import (
	"fmt"
	"runtime"
	"sync"
)

func collatzSteps(n int64) int64 {
	x, steps := n, int64(0)
	for x != 1 {
		if x%2 == 0 {
			x /= 2
		} else {
			x = 3*x + 1
		}
		steps++
	}
	return steps
}

func main() {
	const n = 1000000
	xs := make([]int64, n)
	for i := range xs {
		xs[i] = int64(i + 1)
	}
	out := make([]int64, n)
	w := runtime.GOMAXPROCS(0)
	chunk := (n + w - 1) / w
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		lo, hi := k*chunk, (k+1)*chunk
		if hi > n {
			hi = n
		}
		wg.Add(1)
		go func(lo, hi int) {
			for i := lo; i < hi; i++ {
				out[i] = collatzSteps(xs[i])
			}
			wg.Done()
		}(lo, hi)
	}
	wg.Wait()
	var sum int64
	for i, s := range out {
		sum += s * int64(i%7+1)
	}
	fmt.Println(sum)
}
