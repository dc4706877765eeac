package html

import (
	_ "embed"
	htmltemplate "html/template"
	"time"

	"github.com/m365audit/m365audit/report/model"
)

// changesTemplate draws "Since the last report" (audit --baseline) right
// after the executive summary; without a baseline it draws nothing.
//
//go:embed changes.tmpl.html
var changesTemplate string

// objectGroup is one titled list of changed objects.
type objectGroup struct {
	Title string
	Lines []model.ObjectLine
}

// changesFuncs are the template functions of the changes section.
var changesFuncs = htmltemplate.FuncMap{
	"objects": func(title string, lines []model.ObjectLine) objectGroup { return objectGroup{title, lines} },
	"day":     func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"band": func(p float64) string {
		switch {
		case p >= 80:
			return "good"
		case p >= 60:
			return "fair"
		}
		return "poor"
	},
}
