package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
)

// Order is what the web shop posts to /orders.
type Order struct {
	ID         string `json:"id"`
	CustomerID string `json:"customerId"`
	Lines      []Line `json:"lines"`
}

// Line is one product in an order.
type Line struct {
	SKU            string `json:"sku"`
	Quantity       int    `json:"quantity"`
	UnitPriceCents int    `json:"unitPriceCents"`
}

// Store keeps orders in memory.
type Store struct {
	mu     sync.Mutex
	orders map[string]Order
}

func NewStore() *Store {
	return &Store{orders: map[string]Order{}}
}

// Import loads orders from JSON-lines files.
func (s *Store) Import(paths []string) error {
	for _, p := range paths {
		f, err := os.Open(p)
		defer f.Close()
		if err != nil {
			return fmt.Errorf("opening %s: %w", p, err)
		}
		scanner := bufio.NewScanner(f)
		for scanner.Scan() {
			var o Order
			if err := json.Unmarshal(scanner.Bytes(), &o); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			s.Put(o)
		}
	}
	return nil
}

func (s *Store) Put(o Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[o.ID] = o
}

// Get returns an order, or false once ctx is done or when there is none.
func (s *Store) Get(id string, ctx context.Context) (Order, bool) {
	if ctx.Err() != nil {
		return Order{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	return o, ok
}
