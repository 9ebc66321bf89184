/* The table of GX's Data Docs index, drawn without bootstrap-table (no PyPI wheel ships it;
   quality/data_docs/offline.py). GX calls $(table).bootstrapTable({columns, data, toolbar,
   sortName, sortOrder, search, rowStyle, rowAttributes, ...}); this reads the same options
   and draws a Bootstrap table: click a header to sort, type in the search box to filter,
   click a row to open its validation (GX binds 'click-row.bs.table'). Per-column filter
   controls and pagination are left out: the site shows one run, a validation per source. */
(function ($) {
  "use strict";

  function named(fn) {
    return typeof fn === "function" ? fn : window[fn];
  }

  function text(html) {
    return $("<div>").html(html === undefined || html === null ? "" : String(html)).text().trim();
  }

  function sortValue(row, column) {
    var value = row[column.sortName || column.field];
    return typeof value === "number" ? value : text(value).toLowerCase();
  }

  function draw($table) {
    var state = $table.data("govlake-table");
    var options = state.options;
    var query = state.$search ? state.$search.val().trim().toLowerCase() : "";
    var rows = options.data.filter(function (row) {
      return !query || options.columns.some(function (c) {
        return text(row[c.field]).toLowerCase().indexOf(query) >= 0;
      });
    });
    var column = options.columns.filter(function (c) {
      return (c.sortName || c.field) === state.sortName || c.field === state.sortName;
    })[0];
    if (column) {
      rows.sort(function (a, b) {
        var x = sortValue(a, column), y = sortValue(b, column);
        return (x < y ? -1 : x > y ? 1 : 0) * (state.ascending ? 1 : -1);
      });
    }
    var rowStyle = named(options.rowStyle), rowAttributes = named(options.rowAttributes);
    var $tbody = $table.children("tbody").empty();
    rows.forEach(function (row, i) {
      var $tr = $("<tr>").appendTo($tbody);
      if (rowAttributes) {
        $tr.attr(rowAttributes(row, i));
      }
      if (rowStyle) {
        $tr.css((rowStyle(row, i) || {}).css || {});
      }
      options.columns.forEach(function (c) {
        $("<td>").addClass(c.align ? "text-" + c.align : "").html(row[c.field]).appendTo($tr);
      });
      $tr.on("click", function () {
        $table.trigger("click-row.bs.table", [row, $tr]);
      });
    });
  }

  $.fn.bootstrapTable = function (options) {
    if (typeof options === "string") {
      // GX's "Clear Filters" calls clearFilterControl and resetSearch: the search box is the filter
      return this.each(function () {
        var state = $(this).data("govlake-table");
        if (state && state.$search && options === "resetSearch") {
          state.$search.val("");
          draw($(this));
        }
      });
    }
    return this.each(function () {
      var $table = $(this).addClass("table table-sm table-hover govlake-table").empty();
      var state = {
        options: options,
        sortName: options.sortName,
        ascending: options.sortOrder !== "desc",
        $search: null
      };
      $table.data("govlake-table", state);
      if (String(options.search) === "true") {
        state.$search = $('<input type="search" class="form-control form-control-sm d-inline-block w-auto ml-1">')
          .attr("placeholder", "搜索 Search")
          .on("input", function () { draw($table); })
          .appendTo($(options.toolbar || "body").first());
      }
      var $head = $("<tr>").appendTo($("<thead>").appendTo($table));
      options.columns.forEach(function (c) {
        var $th = $("<th>").text(c.title).addClass(c.align ? "text-" + c.align : "").appendTo($head);
        if (String(c.sortable) === "true") {
          $th.css("cursor", "pointer").on("click", function () {
            var key = c.sortName || c.field;
            state.ascending = state.sortName === key ? !state.ascending : true;
            state.sortName = key;
            draw($table);
          });
        }
      });
      $("<tbody>").appendTo($table);
      draw($table);
    });
  };
})(jQuery);
