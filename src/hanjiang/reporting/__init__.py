"""The statistics hub: data elements, data sets, data values, validation, approval, indicators."""
