module example.com/demo/gateway

go 1.22
