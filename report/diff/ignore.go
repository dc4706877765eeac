package diff

import "strings"

// IgnoredFields is the one list of object fields that change on their own
// (the service touches them, or they count things) and therefore never make
// an object "modified". A key is ignored at any depth when it equals one of
// these names; every OData annotation (a key starting with "@" or containing
// "@odata.") is ignored as well. The README documents this list.
var ignoredFields = []string{
	// sign-in activity of users (every sign-in updates it)
	"signInActivity",
	// last-modified stamps the service sets
	"modifiedDateTime", "lastModifiedDateTime", "lastUpdatedDateTime",
	"WhenChanged", "WhenChangedUTC", "WhenCreatedUTC",
	"onPremisesLastSyncDateTime",
	// counts
	"consumedUnits", "totalItemCount", "unreadItemCount", "childFolderCount", "sizeInBytes",
	// Exchange session artefacts
	"RunspaceId",
}

// IgnoredFields returns the field names the object comparison ignores
// (besides OData annotations), for documentation and reports.
func IgnoredFields() []string { return append([]string(nil), ignoredFields...) }

func ignoredKey(k string) bool {
	if strings.HasPrefix(k, "@") || strings.Contains(k, "@odata.") {
		return true
	}
	for _, f := range ignoredFields {
		if k == f {
			return true
		}
	}
	return false
}
