// Package ops holds what running the service on several machines takes, and the tests that run it as
// an operator would: Litestream's configuration for the writer's machine and for readers' machines
// (litestream-writer.yml, litestream-reader.yml), the restore drill (restore-drill.sh), and the
// end-to-end test that gives each machine a network namespace of its own (machines_test.go). README.md,
// "Several machines", is the procedure they follow. There is no Go code to import here.
package ops
