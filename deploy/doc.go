// Package deploy holds the container image, Kubernetes and GitHub Actions
// definitions for running m365audit batch unattended; its tests decode them
// with the Kubernetes API types and check their wiring (no container engine
// runs in the test environment).
package deploy
