module github.com/mailzone/mailzone

go 1.25.0
