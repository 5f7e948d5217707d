"""Application workbooks, the submission packet and the cost import (issue 4)."""
