// Spawn 1,000,000 goroutines, each storing its index in a result slot, and
// wait for them all (the peer table's "WaitGroup + result slot per task").
package main

import (
	"fmt"
	"sync"
)

func main() {
	const n = 1000000
	results := make([]int64, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func(i int) {
			results[i] = int64(i)
			wg.Done()
		}(i)
	}
	wg.Wait()
	var sum int64
	for _, r := range results {
		sum += r
	}
	fmt.Println(sum)
}
