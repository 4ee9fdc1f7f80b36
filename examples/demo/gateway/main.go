// Command gateway accepts orders from the web shop and stores them.
package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
)

func main() {
	addr := os.Getenv("GATEWAY_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	store := NewStore()
	if err := store.Import(os.Args[1:]); err != nil {
		slog.Error("import failed", "err", err)
		os.Exit(1)
	}
	fmt.Println("gateway listening on", addr)
	if err := http.ListenAndServe(addr, routes(store)); err != nil {
		slog.Error("server stopped", "err", err)
		os.Exit(1)
	}
}
