package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
)

func routes(store *Store) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		var o Order
		if err := json.NewDecoder(r.Body).Decode(&o); err != nil {
			http.Error(w, "invalid order", http.StatusBadRequest)
			return
		}
		// TODO: reject orders with a zero or negative quantity
		store.Put(o)
		slog.Info("order stored", "order_id", o.ID, "lines", len(o.Lines))
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(o)
	})
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		o, ok := store.Get(r.PathValue("id"), r.Context())
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("content-type", "application/json")
		if err := json.NewEncoder(w).Encode(o); err != nil {
			slog.Warn("writing response failed", "err", err)
		}
	})
	return mux
}
