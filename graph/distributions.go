package graph

import (
	"github.com/jamforelse/api/export"
	"github.com/jamforelse/api/graph/model"
)

// distributions lists every downloadable file (export.Files), with its URL at the public address.
func (r *Resolver) distributions() []*model.Distribution {
	var out []*model.Distribution
	for _, f := range export.Files() {
		d := &model.Distribution{Title: f.Title("sv"), TitleEn: f.Title("en"), Table: f.Table, MediaType: f.MediaType(),
			URL: f.URL(r.publicURL), Filters: append([]string{}, export.FiltersOf(f.Table)...)}
		switch f.Format {
		case export.CSV:
			d.Format, d.Dialect = model.DownloadFormatCSV, ptr(model.CSVDialectRfc4180)
			if f.Dialect == export.ExcelSV {
				d.Dialect = ptr(model.CSVDialectExcelSv)
			}
		case export.XLSX:
			d.Format = model.DownloadFormatXlsx
		case export.NDJSON:
			d.Format = model.DownloadFormatNdjson
		}
		out = append(out, d)
	}
	return out
}

func ptr[T any](v T) *T { return &v }
