// 1,000,000 round trips between two goroutines over unbuffered channels.
package main

import "fmt"

func main() {
	const n = 1000000
	ping := make(chan int)
	pong := make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	count := 0
	for i := 0; i < n; i++ {
		ping <- count
		count = <-pong
	}
	close(ping)
	fmt.Println(count)
}
