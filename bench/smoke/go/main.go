// Package main is a small program with the mistakes Go practices look for (smoke corpus).
package main

import (
	"errors"
	"fmt"
	"io/ioutil"
	"os"
)

func read(path string) []byte {
	data, err := ioutil.ReadFile(path)
	if err != nil {
		panic(err)
	}
	_ = os.Remove(path)
	return data
}

func check(v int) error {
	// TODO: wrap with context
	if v < 0 {
		return errors.New(fmt.Sprintf("negative: %d", v))
	}
	fmt.Println("ok", v)
	return nil
}

func main() {
	defer fmt.Println("done")
	for i := 0; i < 3; i++ {
		defer fmt.Println(i)
	}
	_ = check(1)
	fmt.Printf("%s\n", read("x"))
}
